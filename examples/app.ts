import { defineApp } from 'shigoto';
import { chargeOrder, generateReport, sendWelcomeEmail, syncInventory } from './jobs.ts';

/**
 * The example application: what `shigoto start` loads through `app:` in config/shigoto.yml.
 * On start it enqueues a few example jobs so the log shows them running.
 */
export default defineApp({
  jobs: [sendWelcomeEmail, generateReport, syncInventory, chargeOrder],
  hooks: {
    async onStart({ shigoto }) {
      await shigoto.enqueueMany([
        { job: sendWelcomeEmail, args: { userId: 1, email: 'amuro@example.com' } },
        { job: chargeOrder, args: { orderId: 1001 } },
        { job: chargeOrder, args: { orderId: 1002, cancelled: true } },
        { job: generateReport, args: { reportId: 7, rows: 5000 } },
        { job: syncInventory, args: { warehouse: 'tokyo-1' } },
        { job: sendWelcomeEmail, args: { userId: 2, email: 'char@example.com' }, options: { wait: '3s' } },
      ]);
      shigoto.logger.info('Enqueued the example jobs; enqueue more with `npm run shigoto -- enqueue ...`');
    },
  },
});
