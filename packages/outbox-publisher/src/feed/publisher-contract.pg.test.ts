import { useTestDatabase } from "@org/test-harness";
import { pgListener } from "../wake/pg-listener.js";
import { describePublisherContract } from "../test-support/publisher-contract.js";

const database = useTestDatabase();
describePublisherContract("PostgreSQL (pg)", database, () => pgListener({ connectionString: database.url }));
