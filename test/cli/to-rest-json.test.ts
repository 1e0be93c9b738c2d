import { create } from "@bufbuild/protobuf";
import { expect } from "chai";
import { ProjectState, ProjectSchema } from "../../gen/es/commander/v1/project_pb.js";
import { ListProjectsResponseSchema, ProjectService, GetProjectResponseSchema } from "../../gen/es/commander/v1/project_service_pb.js";
import { restResponseJson } from "../../src/cli/to-rest-json.js";

describe("restResponseJson", () => {
  const project = create(ProjectSchema, { id: "project-1", name: "api", path: "/src/api", state: ProjectState.BLOCKED });

  it("prints the response_body field of a route that names one, as REST does", () => {
    const json = restResponseJson(ProjectService.method.getProject, create(GetProjectResponseSchema, { project }));
    expect(json).to.include({ id: "project-1", name: "api", state: "blocked", state_reason: null });
  });

  it("prints the whole response of a route without response_body", () => {
    const json = restResponseJson(ProjectService.method.listProjects, create(ListProjectsResponseSchema, { projects: [project] }));
    expect(json).to.have.nested.property("projects[0].state", "blocked");
  });
});
