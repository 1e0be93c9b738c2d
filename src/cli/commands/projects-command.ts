import { resolve } from "node:path";
import type { Command } from "commander";
import { ProjectService } from "../../../gen/es/commander/v1/project_service_pb.js";
import type { CliContext } from "../cli-context.js";
import { addExamples, addJsonOption, parseNonNegativeInt, parsePositiveInt, printResponse } from "../command-helpers.js";
import { followPages, moreNote } from "../follow-pages.js";
import { projectDetails, projectTable } from "../project-view.js";
import { UsageError } from "../usage-error.js";

export function registerProjectsCommand(program: Command, ctx: CliContext): void {
  const projects = addExamples(
    program.command("projects").alias("project").description("register the directories agents work in"),
    "commander projects add . --name api",
    "commander projects list",
  );
  const methods = ProjectService.method;

  addExamples(
    addJsonOption(
      projects
        .command("add")
        .description("register a directory as a project")
        .argument("<path>", "directory of the project (relative paths are resolved here)")
        .option("-n, --name <name>", "display name (default: the directory's name)")
        .option("--id <id>", "choose the project id instead of a generated one")
        .option("--runtime <runtime>", "agent runtime for its sessions, for example claude-code or shell")
        .option("--permission-mode <mode>", "Claude Code permission mode: default, acceptEdits, plan, ... (default: the daemon's)")
        .option("--model <model>", "model for the agent (default: the agent's own)")
        .option("--permission-timeout <seconds>", "seconds Claude Code waits for an answer to a permission request (default: the daemon's)", parseNonNegativeInt),
    ),
    "commander projects add . --name api",
    "commander projects add ~/src/web --runtime shell --json",
  ).action(async (path: string, opts: { name?: string; id?: string; runtime?: string; permissionMode?: string; model?: string; permissionTimeout?: number; json?: boolean }) => {
    const res = await ctx.clients().of(ProjectService).registerProject({
      // The daemon runs elsewhere, so relative paths mean the user's current directory; `~/` paths are
      // left for the daemon, which expands them for its own user.
      path: path.startsWith("~") ? path : resolve(ctx.cwd, path),
      name: opts.name ?? "",
      projectId: opts.id ?? "",
      runtime: opts.runtime ?? "",
      permissionMode: opts.permissionMode ?? "",
      model: opts.model ?? "",
      permissionTimeoutSeconds: opts.permissionTimeout ?? 0,
    });
    printResponse(ctx, opts, methods.registerProject, res, (res) => {
      const p = res.project!;
      return `Registered ${ctx.output.color.bold(p.id)} (${p.name}) at ${p.path}`;
    });
  });

  addExamples(
    addJsonOption(projects.command("list").alias("ls").description("list registered projects").option("--limit <n>", "show at most this many (default: all, fetched a page at a time)", parsePositiveInt)),
    "commander projects list",
    "commander projects list --json | jq -r '.projects[].id'",
  ).action(async (opts: { limit?: number; json?: boolean }) => {
    const res = await followPages((page) => ctx.clients().of(ProjectService).listProjects(page), (res) => res.projects, opts.limit);
    printResponse(ctx, opts, methods.listProjects, res, (res) =>
      res.projects.length === 0
        ? "No projects. Register one with: commander projects add <path>"
        : projectTable(res.projects, ctx.output, ctx.now()) + moreNote(ctx, res),
    );
  });

  addExamples(
    addJsonOption(projects.command("show").description("show one project").argument("<project-id>")),
    "commander projects show project-3f2a9c81d0e4",
  ).action(async (projectId: string, opts: { json?: boolean }) => {
    const res = await ctx.clients().of(ProjectService).getProject({ projectId });
    printResponse(ctx, opts, methods.getProject, res, (res) => projectDetails(res.project!, ctx.output, ctx.now()));
  });

  addExamples(
    addJsonOption(
      projects
        .command("update")
        .alias("set")
        .description("change a project's name or agent settings (applies from the agent's next start)")
        .argument("<project-id>")
        .option("-n, --name <name>", "display name")
        .option("--permission-mode <mode>", 'Claude Code permission mode: default, acceptEdits, plan, ... ("" for the daemon\'s)')
        .option("--model <model>", 'model for the agent ("" for the agent\'s own)')
        .option("--permission-timeout <seconds>", "seconds Claude Code waits for an answer to a permission request (0 for the daemon's)", parseNonNegativeInt),
    ),
    "commander projects update my-project --permission-mode plan",
    'commander projects update my-project --model opus --permission-mode ""',
  ).action(async (projectId: string, opts: { name?: string; permissionMode?: string; model?: string; permissionTimeout?: number; json?: boolean }) => {
    const paths = [
      ...(opts.name !== undefined ? ["name"] : []),
      ...(opts.permissionMode !== undefined ? ["permission_mode"] : []),
      ...(opts.model !== undefined ? ["model"] : []),
      ...(opts.permissionTimeout !== undefined ? ["permission_timeout_seconds"] : []),
    ];
    if (paths.length === 0) throw new UsageError("give --name, --permission-mode, --model or --permission-timeout");
    const res = await ctx.clients().of(ProjectService).updateProject({
      projectId,
      project: { name: opts.name ?? "", permissionMode: opts.permissionMode ?? "", model: opts.model ?? "", permissionTimeoutSeconds: opts.permissionTimeout ?? 0 },
      updateMask: { paths },
    });
    printResponse(ctx, opts, methods.updateProject, res, (res) => {
      const p = res.project!;
      return `Updated ${ctx.output.color.bold(p.id)}: permission mode ${p.permissionMode || "(daemon default)"}, model ${p.model || "(agent default)"}; applies from the agent's next start`;
    });
  });

  addExamples(
    addJsonOption(
      projects
        .command("rm")
        .alias("remove")
        .description("unregister a project: stops its session and drops its queue, events and inbox")
        .argument("<project-id>")
        .option("-f, --force", "also stop work that is in progress or blocked"),
    ),
    "commander projects rm project-3f2a9c81d0e4",
    "commander projects rm project-3f2a9c81d0e4 --force",
  ).action(async (projectId: string, opts: { force?: boolean; json?: boolean }) => {
    const res = await ctx.clients().of(ProjectService).unregisterProject({ projectId, force: opts.force ?? false });
    printResponse(ctx, opts, methods.unregisterProject, res, (res) => `Removed ${projectId}`);
  });

  addExamples(
    addJsonOption(
      projects
        .command("pause")
        .description("stop dispatching new work to a project (the item in progress carries on)")
        .argument("<project-id>")
        .option("--reason <text>", "why, shown as the project's state reason"),
    ),
    'commander projects pause project-3f2a9c81d0e4 --reason "reviewing"',
  ).action(async (projectId: string, opts: { reason?: string; json?: boolean }) => {
    const res = await ctx.clients().of(ProjectService).pauseProject({ projectId, reason: opts.reason ?? "" });
    printResponse(ctx, opts, methods.pauseProject, res, (res) => `Paused ${projectId}`);
  });

  addExamples(
    addJsonOption(projects.command("resume").description("resume a paused project").argument("<project-id>")),
    "commander projects resume project-3f2a9c81d0e4",
  ).action(async (projectId: string, opts: { json?: boolean }) => {
    const res = await ctx.clients().of(ProjectService).resumeProject({ projectId });
    printResponse(ctx, opts, methods.resumeProject, res, (res) => `Resumed ${projectId}`);
  });
}

