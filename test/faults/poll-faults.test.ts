import { POLL_ROWS, testFaultRows } from './fault-table.js';

testFaultRows('faults on fetches, downloads and generations: the right status and exit code, never a hang', POLL_ROWS);
