import { useTestDatabase } from "@org/test-harness";
import { describeEventsContract } from "./test-support/events-contract.js";

describeEventsContract("PostgreSQL (pg)", useTestDatabase());
