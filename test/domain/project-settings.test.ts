import { expect } from "chai";
import { validModel, validPermissionMode, validPermissionTimeout, validUpdateMask } from "../../src/domain/project-settings.js";

describe("project settings (permission mode, model, update mask)", () => {
  for (const mode of ["", "default", "acceptEdits", "plan", "auto", "dontAsk", "bypassPermissions", "manual"]) {
    it(`accepts the permission mode ${JSON.stringify(mode)}`, () => expect(validPermissionMode(mode)).to.equal(mode));
  }
  for (const mode of ["Plan", "yolo", "accept-edits"]) {
    it(`refuses the permission mode ${JSON.stringify(mode)}, naming the field`, () => {
      expect(() => validPermissionMode(mode)).to.throw(/^permission_mode: unknown permission mode/);
    });
  }
  for (const model of ["", "opus", "claude-sonnet-4-5-20250929", "claude-opus-4-1[1m]"]) {
    it(`accepts the model ${JSON.stringify(model)}`, () => expect(validModel(model)).to.equal(model));
  }
  for (const model of ["--dangerously-skip-permissions", "two words", "x;rm"]) {
    it(`refuses the model ${JSON.stringify(model)}, naming the field`, () => expect(() => validModel(model)).to.throw(/^model: /));
  }
  for (const seconds of [0, 1, 600, 86_400]) {
    it(`accepts the permission timeout ${seconds}`, () => expect(validPermissionTimeout(seconds)).to.equal(seconds));
  }
  for (const seconds of [-1, 1.5, 86_401]) {
    it(`refuses the permission timeout ${seconds}, naming the field`, () => {
      expect(() => validPermissionTimeout(seconds)).to.throw(/^permission_timeout_seconds: must be 0/);
    });
  }
  it("accepts the updatable mask paths once each", () => {
    expect(validUpdateMask(["model", "permission_mode", "name", "permission_timeout_seconds"])).to.deep.equal([
      "model",
      "permission_mode",
      "name",
      "permission_timeout_seconds",
    ]);
  });
  for (const paths of [["state"], ["runtime"], ["model", "model"], ["policy"]]) {
    it(`refuses the mask ${JSON.stringify(paths)}, naming update_mask`, () => expect(() => validUpdateMask(paths)).to.throw(/^update_mask: /));
  }
});
