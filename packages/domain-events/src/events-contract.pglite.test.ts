import { usePgliteDatabase } from "@org/test-harness";
import { describeEventsContract } from "./test-support/events-contract.js";

describeEventsContract("embedded PGlite", usePgliteDatabase());
