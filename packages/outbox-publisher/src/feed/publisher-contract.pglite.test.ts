import { usePgliteDatabase } from "@org/test-harness";
import { pgliteListener } from "../wake/pglite-listener.js";
import { describePublisherContract } from "../test-support/publisher-contract.js";

const lite = usePgliteDatabase();
describePublisherContract("PGlite", lite, () => pgliteListener(lite.pglite));
