import { MONEY_ROWS, testFaultRows } from './fault-table.js';

testFaultRows('a gateway that charges other than the table: the budget holds, the ledger brackets the account', MONEY_ROWS);
