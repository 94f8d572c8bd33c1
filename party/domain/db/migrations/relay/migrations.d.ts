// The shape of drizzle-kit's generated migrations.js beside this file (it imports the
// journal and each SQL file as text), for the TypeScript that hands it to the migrator.
declare const bundle: {
  journal: { entries: { idx: number; when: number; tag: string; breakpoints: boolean }[] };
  migrations: Record<string, string>;
};
export default bundle;
