import { formatInspectTable, inspectFile } from '../core/checkpoint/inspect';

/** `attention-lab inspect <file>`: the tensor table with statistics, or the report as JSON. */
export async function inspectCommand(file: string, json: boolean): Promise<number> {
  const report = await inspectFile(file);
  process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : formatInspectTable(report) + '\n');
  return 0;
}
