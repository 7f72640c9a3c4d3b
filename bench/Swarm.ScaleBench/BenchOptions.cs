using System.Globalization;

namespace Swarm.ScaleBench;

/// <summary>What to run and where; PostgreSQL and RabbitMQ come from the environment.</summary>
public sealed record BenchOptions
{
    public int Nodes { get; init; } = 1000;
    public int Tasks { get; init; } = 10_000;
    public int Services { get; init; } = 10;
    public int IdleRuns { get; init; } = 20;
    public int ChurnSeconds { get; init; } = 60;
    public int HeartbeatSeconds { get; init; } = 30;
    public string Out { get; init; } = "";
    public string Postgres { get; init; } = "";
    public string RabbitMq { get; init; } = "";
    public string RabbitMqApi { get; init; } = "";
    public string Repo { get; init; } = "";

    public const string Usage = """
        Usage: Swarm.ScaleBench [--nodes N] [--tasks T] [--services S] [--out DIR]
                                [--idle-runs N] [--churn-seconds S] [--heartbeat-seconds S]

        Runs the whole control plane against real PostgreSQL and RabbitMQ with simulated nodes, then:
          burst      S services totalling T replicas created at once: time to all RUNNING,
                     placements per second, created->running latency per task (p50/p95/p99/max)
          idle       a 10-replica service created on the settled cluster, N times: time to all RUNNING
          churn      services scaled up and down for S seconds: tasks handled per second, p99 latency
          heartbeat  S seconds of steady state: the dispatcher's CPU, nodes falsely marked down
        and reports CPU seconds and peak RSS of every process, events appended per second, relay lag
        and RabbitMQ queue depth peaks, as results.json, results.md and chart.png in --out.

        Environment: SWARM_BENCH_POSTGRES (connection string), SWARM_BENCH_RABBITMQ (amqp://user:pass@host:port,
        no vhost), SWARM_BENCH_RABBITMQ_API (management API URL); ./swarm bench sets them.
        Exit code 1 when a task never reached RUNNING or a slot ran twice.
        """;

    public static BenchOptions? Parse(string[] args, TextWriter error)
    {
        var o = new BenchOptions
        {
            Postgres = Environment.GetEnvironmentVariable("SWARM_BENCH_POSTGRES") ?? "",
            RabbitMq = (Environment.GetEnvironmentVariable("SWARM_BENCH_RABBITMQ") ?? "").TrimEnd('/'),
            RabbitMqApi = (Environment.GetEnvironmentVariable("SWARM_BENCH_RABBITMQ_API") ?? "").TrimEnd('/'),
            Repo = FindRepo(),
        };
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            int Positive(string flag)
            {
                var text = Next();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new FormatException($"{flag} takes a positive whole number, got '{text}'");
            }

            try
            {
                o = args[i] switch
                {
                    "--nodes" => o with { Nodes = Positive("--nodes") },
                    "--tasks" => o with { Tasks = Positive("--tasks") },
                    "--services" => o with { Services = Positive("--services") },
                    "--idle-runs" => o with { IdleRuns = Positive("--idle-runs") },
                    "--churn-seconds" => o with { ChurnSeconds = Positive("--churn-seconds") },
                    "--heartbeat-seconds" => o with { HeartbeatSeconds = Positive("--heartbeat-seconds") },
                    "--out" => o with { Out = Next() },
                    "-h" or "--help" => throw new HelpRequested(),
                    var other => throw new FormatException($"unknown flag '{other}'"),
                };
            }
            catch (HelpRequested)
            {
                Console.WriteLine(Usage);
                return null;
            }
            catch (FormatException ex)
            {
                error.WriteLine($"bench: {ex.Message}");
                error.WriteLine("See 'Swarm.ScaleBench --help'.");
                return null;
            }
        }

        if (o.Services > o.Tasks)
        {
            error.WriteLine($"bench: --services ({o.Services}) must not exceed --tasks ({o.Tasks})");
            return null;
        }

        if (o.Postgres.Length == 0 || o.RabbitMq.Length == 0 || o.RabbitMqApi.Length == 0)
        {
            error.WriteLine("bench: SWARM_BENCH_POSTGRES, SWARM_BENCH_RABBITMQ and SWARM_BENCH_RABBITMQ_API must be set (./swarm bench sets them)");
            return null;
        }

        return o with { Out = o.Out.Length > 0 ? o.Out : Path.Combine(o.Repo, ".run", "bench", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)) };
    }

    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Swarm.Microservices.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private sealed class HelpRequested : Exception;
}
