/** C sources are bundled as text (scripts/build.mjs: loader '.c': 'text'). */
declare module '*.c' {
  const source: string;
  export default source;
}
