// `npm test`'s reporter of progress: a line as each test case ends. Vitest's default reporter
// writes a file's cases only once the whole file ended, so a long end-to-end file (the bridge's
// runs for minutes) says nothing until then, and the runner (party/dev/test.mjs), which stops a
// step that printed nothing for a while as hung, could not tell it from one that hangs. With a
// line per case, silence means one case (bounded by its own timeout) has stopped moving, and the
// last line names where.
import { relative } from "node:path";

const MAX_LINE = 200;

export default class ProgressReporter {
  onTestCaseResult(testCase) {
    const line = `· ${testCase.result().state} ${relative(process.cwd(), testCase.module.moduleId)} > ${testCase.fullName}`;
    process.stdout.write(`${line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line}\n`);
  }
}
