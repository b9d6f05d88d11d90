/** Stylesheets are bundled by esbuild into console.css; importing one only includes it. */
declare module '*.css';
