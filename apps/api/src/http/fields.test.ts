import { describe, expect, test } from "vitest";
import { currencyCode } from "./fields.js";

describe("currency", () => {
  test.each(["USD", "EUR", "JPY", "USDC", "USDT", "DAI", "WETH", "WBTC", "MATIC", "POL", "OP", "1INCH", "cbBTC", "stETH", "USDC.e", "PYUSD"])(
    "takes %s",
    (currency) => expect(currencyCode.safeParse(currency)).toEqual({ success: true, data: currency }),
  );

  test.each(["", "U", "usd", "usdc", "US D", "USDC ", "USDC..e", "USDC.", ".USDC", "USDC.bridged", "ABCDEFGHIJKL", "USD$", "€"])("refuses %j", (currency) => {
    const result = currencyCode.safeParse(currency);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/ISO 4217 code such as "USD" or a token symbol such as "USDC"/);
  });
});
