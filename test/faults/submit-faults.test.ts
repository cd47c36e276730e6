import { ACCOUNT_ROWS, SUBMIT_ROWS, testFaultRows } from './fault-table.js';

testFaultRows('faults on submits: the right status and exit code, nothing paid twice', SUBMIT_ROWS);
testFaultRows('account-wide stops: no credit spent after them, nothing retried', ACCOUNT_ROWS);
