import { OUTAGE_ROWS } from './outage-rows.js';
import { testFaultRows } from './fault-table.js';

testFaultRows('outages and systematic failures: pause, probe, resume or stop, never a hang', OUTAGE_ROWS);
