/** Entry point of a process forked by the supervisor. */
import { type ChildSpec, runChild } from './child.ts';

const spec = JSON.parse(process.env.SHIGOTO_CHILD ?? 'null') as ChildSpec | null;
if (!spec) {
  process.stderr.write('shigoto: this file is started by `shigoto start`, not directly\n');
  process.exit(2);
}
runChild(spec).catch((error: unknown) => {
  process.stderr.write(`shigoto ${spec.role}: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
