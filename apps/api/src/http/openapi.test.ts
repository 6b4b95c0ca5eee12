import { useTestDatabase } from "@org/test-harness";
import { beforeAll, describe, expect, test } from "vitest";
import { buildTestApp, type TestClient } from "../test-support/test-app.js";

const database = useTestDatabase();
let app: Awaited<ReturnType<typeof buildTestApp>>["app"];
let anonymous: TestClient;
let tenantA: TestClient;
let document: any;

beforeAll(async () => {
  ({ app, anonymous, tenantA } = await buildTestApp(database.db));
  const response = await anonymous("GET", "/api/v1/openapi.json");
  expect(response.status).toBe(200);
  document = response.body;
});

describe("the OpenAPI document", () => {
  test("is served without a key and lists every route the app answers, with its method", () => {
    const routes = app.routes
      .filter((route) => route.method !== "ALL" && route.path !== "/favicon.ico")
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}").replace(/\/$/, "") || "/"}`);
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`),
    );
    expect(new Set(routes).size).toBeGreaterThan(15);
    expect(documented.sort()).toEqual([...new Set(routes)].sort());
  });

  test("parameters and bodies carry the validating schemas' constraints", () => {
    const list = document.paths["/api/v1/settlements"].get.parameters;
    expect(list.find((p: any) => p.name === "status").schema.enum).toContain("settled");
    expect(list.find((p: any) => p.name === "cursor").schema.pattern).toMatch(/stl_/);
    expect(list.find((p: any) => p.name === "limit").schema.pattern).toBeDefined();
    expect(document.paths["/api/v1/settlements/{id}"].get.parameters[0].schema.pattern).toMatch(/^\^stl_/);
    const create = document.paths["/api/v1/settlements"].post.requestBody.content["application/json"].schema;
    expect(create).toMatchObject({ required: ["amount", "currency"], additionalProperties: false });
  });

  test("responses are the schemas the answers are built with: a real answer has exactly their fields", async () => {
    const schema = document.paths["/api/v1/settlements"].post.responses["201"].content["application/json"].schema;
    const created = await tenantA("POST", "/api/v1/settlements", { amount: "1.00", currency: "USD" });
    expect(Object.keys(created.body).sort()).toEqual(Object.keys(schema.properties).sort());
    expect(schema.required.sort()).toEqual(Object.keys(schema.properties).sort());
    const error = document.paths["/api/v1/settlements"].post.responses["4XX"].content["application/json"].schema;
    expect(error.properties.error.required).toEqual(["code", "message"]);
  });
});
