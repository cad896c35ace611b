/**
 * PNG export: a canvas is copied (scaled); any other chart root goes through exportSvg and is
 * rasterised. The SVG is loaded as a data: URL image, so a webview's CSP needs `img-src data:`.
 */
import { exportSvg } from './exportSvg';

/** The chart as a PNG Blob, `scale` device pixels per CSS pixel (2 = crisp on most screens). */
export async function exportPng(source: Element, scale = 2): Promise<Blob> {
  if (!(scale > 0 && scale <= 8)) throw new RangeError(`exportPng: scale must be in (0, 8], got ${scale}`);
  const doc = source.ownerDocument;
  let image: CanvasImageSource;
  let width: number;
  let height: number;
  if (source instanceof HTMLCanvasElement) {
    image = source;
    width = source.clientWidth || source.width;
    height = source.clientHeight || source.height;
  } else {
    const svg = exportSvg(source);
    const img = new Image();
    const loaded = new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('exportPng: the browser could not load the chart as an SVG image (is img-src data: allowed?)'));
    });
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    await loaded;
    image = img;
    const r = source.getBoundingClientRect();
    width = Math.ceil(r.width);
    height = Math.ceil(r.height);
  }
  const canvas = doc.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const g = canvas.getContext('2d');
  if (g === null) throw new Error('exportPng: no 2-D canvas context');
  g.imageSmoothingEnabled = !(source instanceof HTMLCanvasElement);
  g.drawImage(image, 0, 0, canvas.width, canvas.height);
  return new Promise<Blob>((resolve, reject) => {
    canvas.toBlob((b) => (b === null ? reject(new Error('exportPng: canvas.toBlob returned nothing')) : resolve(b)), 'image/png');
  });
}
