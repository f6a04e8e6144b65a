/// <reference path="./.sst/platform/config.d.ts" />

// verbosel on AWS: an ECS cluster in its own VPC running the FROM-scratch image on
// Fargate behind an Application Load Balancer, scaled out on CPU and request count.
// The server is stateless, so replicas are the whole scaling story.
//
// Deploy (from deploy/, with AWS credentials):   npx sst deploy --stage production
// On Graviton (arm64) tasks instead of x86_64:    VERBOSEL_ARCH=arm64 npx sst deploy ...
// Tear down:                                     npx sst remove --stage <stage>
//
// Timeouts that must agree with the server's defaults (see `verbosel --help`):
// - keep-alive: the server closes idle connections after --idle-timeout 65 s; the ALB's
//   idle timeout is 60 s, lower, so the ALB always closes first and never sends a request
//   on a connection the server is closing at that instant (which would surface as a 502).
// - shutdown: on SIGTERM the server drains for up to --grace 10 s; ECS waits stopTimeout
//   (20 s here) before SIGKILL.

/** The ALB's idle timeout in seconds; must stay below the server's --idle-timeout (65). */
const ALB_IDLE_TIMEOUT_S = 60;
/** Seconds ECS waits between SIGTERM and SIGKILL; must exceed the server's --grace (10). */
const ECS_STOP_TIMEOUT_S = 20;
/**
 * The tasks' CPU: x86_64, or arm64 for Graviton (Fargate bills arm64 at a lower rate; see
 * AWS's Fargate pricing for your region). SST builds the image for the matching platform,
 * and deploy/Dockerfile picks or cross-compiles the binary for it (with
 * VERBOSEL_BINARY=prebuilt: target/aarch64-unknown-linux-gnu/release/verbosel, built first
 * with `cargo build --release --locked --target aarch64-unknown-linux-gnu`).
 */
const ARCHITECTURE: "x86_64" | "arm64" =
  process.env.VERBOSEL_ARCH === "arm64" ? "arm64" : "x86_64";

export default $config({
  app(input) {
    return {
      name: "verbosel",
      home: "aws",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
    };
  },
  async run() {
    // Default SST VPC: two AZs, tasks in public subnets with public IPs and no NAT
    // gateway (cheapest). For private tasks set `nat: "ec2"` or `nat: "managed"`.
    const vpc = new sst.aws.Vpc("Vpc");
    const cluster = new sst.aws.Cluster("Cluster", { vpc });

    const service = new sst.aws.Service("Web", {
      cluster,
      // Fargate's smallest task: the server is a few KB and each connection is one small
      // forked process.
      cpu: "0.25 vCPU",
      memory: "0.5 GB",
      architecture: ARCHITECTURE,
      image: {
        // Paths are relative to this file: the build context is the repository root.
        context: "..",
        dockerfile: "deploy/Dockerfile",
        // `builder` compiles inside the image; `prebuilt` ships a host-built binary
        // (run `cargo build --release --locked`, with `--target aarch64-unknown-linux-gnu`
        // for arm64, first).
        args: { VERBOSEL_BINARY: process.env.VERBOSEL_BINARY ?? "builder" },
      },
      // ECS's own container health check (ECS ignores the image's HEALTHCHECK).
      health: {
        command: ["CMD", "/verbosel", "--healthcheck"],
        startPeriod: "5 seconds",
        interval: "10 seconds",
        timeout: "3 seconds",
        retries: 3,
      },
      loadBalancer: {
        rules: [{ listen: "80/http", forward: "8080/http" }],
        health: {
          "8080/http": {
            path: "/healthz",
            interval: "10 seconds",
            timeout: "5 seconds",
            healthyThreshold: 2,
            unhealthyThreshold: 3,
            successCodes: "200",
          },
        },
      },
      scaling: {
        min: 2,
        max: 10,
        cpuUtilization: 60,
        // ALBRequestCountPerTarget: requests per target per minute. A starting point to
        // tune from load tests of the real service, not a measured capacity.
        requestCount: 6000,
        // Memory follows the number of open connections, which the request count
        // already tracks.
        memoryUtilization: false,
      },
      transform: {
        loadBalancer: (args) => {
          args.idleTimeout = ALB_IDLE_TIMEOUT_S;
        },
        target: (args) => {
          // Draining: the ALB stops sending new requests to a deregistering task at
          // once, then waits this long for in-flight ones before ECS sends SIGTERM.
          args.deregistrationDelay = 15;
        },
        taskDefinition: (args) => {
          args.containerDefinitions = $output(args.containerDefinitions).apply((json) =>
            JSON.stringify(
              (JSON.parse(json) as Record<string, unknown>[]).map((container) => ({
                ...container,
                stopTimeout: ECS_STOP_TIMEOUT_S,
              })),
            ),
          );
        },
      },
    });

    return { url: service.url };
  },
});
