import journal from './meta/_journal.json';
import m0000 from './0000_baseline.sql';
import m0001 from './0001_inbox.sql';
import m0002 from './0002_search.sql';
import m0003 from './0003_web_push.sql';
import m0004 from './0004_files.sql';
import m0005 from './0005_outbox_files.sql';
import m0006 from './0006_chubby_retro_girl.sql';
import m0007 from './0007_approval_gates.sql';
import m0008 from './0008_approval_gates_used.sql';
import m0009 from './0009_work_that_runs.sql';
import m0010 from './0010_billing.sql';
import m0011 from './0011_thread_reads.sql';
import m0012 from './0012_community_mentions.sql';
import m0013 from './0013_ledger_totals.sql';
import m0014 from './0014_mention_folds.sql';
import m0015 from './0015_feature_records.sql';
import m0016 from './0016_schedule_hooks.sql';
import m0017 from './0017_skill_requests.sql';
import m0018 from './0018_approval_reach.sql';
import m0019 from './0019_traces.sql';
import m0020 from './0020_inbox_sent.sql';
import m0021 from './0021_task_messages.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002,
m0003,
m0004,
m0005,
m0006,
m0007,
m0008,
m0009,
m0010,
m0011,
m0012,
m0013,
m0014,
m0015,
m0016,
m0017,
m0018,
m0019,
m0020,
m0021
    }
  }
  