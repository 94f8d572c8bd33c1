// Markdown files the Worker serves are imported as text (wrangler.toml's [[rules]]; the
// workerd tests' config does the same).
declare module "*.md" {
  const text: string;
  export default text;
}
