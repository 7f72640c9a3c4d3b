using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

namespace Swarm.Testing;

/// <summary>
/// PostgreSQL and RabbitMQ in throwaway containers, for a machine where no SWARM_TEST_* settings are
/// given but a Docker engine is reachable. Started once per test run, on loopback ports.
/// </summary>
internal static class Containers
{
    private const string User = "swarm";
    private const string Password = "swarm-test";

    public static bool DockerReachable =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");

    public static async Task<(string Postgres, string RabbitMq, string RabbitMqApi)> StartAsync()
    {
        IContainer postgres = new ContainerBuilder("postgres:16-alpine")
            .WithEnvironment("POSTGRES_USER", User)
            .WithEnvironment("POSTGRES_PASSWORD", Password)
            .WithEnvironment("POSTGRES_DB", "swarm_test")
            .WithPortBinding(5432, true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilCommandIsCompleted("pg_isready", "-h", "127.0.0.1", "-U", User))
            .Build();
        IContainer rabbit = new ContainerBuilder("rabbitmq:3-management")
            .WithEnvironment("RABBITMQ_DEFAULT_USER", User)
            .WithEnvironment("RABBITMQ_DEFAULT_PASS", Password)
            .WithPortBinding(5672, true)
            .WithPortBinding(15672, true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilCommandIsCompleted("rabbitmq-diagnostics", "-q", "check_port_connectivity"))
            .Build();
        await Task.WhenAll(postgres.StartAsync(), rabbit.StartAsync());
        return (
            $"Host={postgres.Hostname};Port={postgres.GetMappedPublicPort(5432)};Username={User};Password={Password};Database=swarm_test",
            $"amqp://{User}:{Password}@{rabbit.Hostname}:{rabbit.GetMappedPublicPort(5672)}",
            $"http://{rabbit.Hostname}:{rabbit.GetMappedPublicPort(15672)}");
    }
}
