import type { Logger } from "pino";
import type { AgentSupervisor } from "../app/agent-supervisor.js";
import type { CommanderCore } from "../app/commander-core.js";
import type { DaemonConfig } from "../config/daemon-config.js";
import { CommanderError } from "../domain/error-catalogue.js";
import { getSessionOfProject } from "../domain/session-rules.js";

export const KNOWN_RUNTIMES = ["claude-code", "codex", "gemini", "aider", "shell"] as const;

export interface AgentSupervisorOptions {
  core: CommanderCore;
  config: DaemonConfig;
  logger: Logger;
}

export function createAgentSupervisor({ core }: AgentSupervisorOptions): AgentSupervisor & { resumeQueuedWork(): void } {
  return {
    async start(projectId) {
      throw new CommanderError("RUNTIME_UNAVAILABLE", `agent runtimes are not available in this build (project ${projectId})`);
    },
    async stop(projectId) {
      return getSessionOfProject(core.state, projectId);
    },
    async release() {},
    async deliverResolution() {
      return false;
    },
    async handleHook() {
      throw new CommanderError("UNAUTHENTICATED", "unauthenticated");
    },
    attachCommand() {
      return "";
    },
    async *watchOutput(projectId) {
      throw new CommanderError("SESSION_NOT_FOUND", `project ${projectId} has no running session`);
    },
    async shutdown() {},
    resumeQueuedWork() {},
  };
}
