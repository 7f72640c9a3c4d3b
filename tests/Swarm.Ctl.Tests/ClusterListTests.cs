using System.Text.Json.Nodes;
using Swarm.Ctl.Cli;
using Swarm.Ctl.Output;

namespace Swarm.Ctl.Tests;

public class ClusterListTests
{
    [Fact]
    public void Cluster_ls_parses_with_and_without_json()
    {
        var table = Assert.IsType<ParsedCommand>(CliParser.Parse(["cluster", "ls"]));
        Assert.Equal(new ClusterList(OutputFormat.Pretty), table.Command);
        var json = Assert.IsType<ParsedCommand>(CliParser.Parse(["cluster", "ls", "--format", "json"]));
        Assert.Equal(new ClusterList(OutputFormat.Json), json.Command);
    }

    [Fact]
    public void Cluster_ls_shows_one_row_per_replica_with_role_term_and_reachability()
    {
        var status = JsonNode.Parse("""
            {"recordedTerm":3,"replicas":[
              {"healthUrl":"http://127.0.0.1:4244","reachable":true,"replicaId":"127.0.0.1:4245","role":"follower","term":3,"sessions":0,"error":null},
              {"healthUrl":"http://127.0.0.1:4254","reachable":true,"replicaId":"127.0.0.1:4255","role":"leader","term":3,"sessions":2,"error":null},
              {"healthUrl":"http://127.0.0.1:4264","reachable":false,"replicaId":"127.0.0.1:4265","role":"","term":null,"sessions":null,"error":"connection refused"}]}
            """);

        var lines = Views.Dispatchers(status).TrimEnd('\n').Split('\n');

        Assert.Equal(4, lines.Length);
        Assert.StartsWith("REPLICA", lines[0]);
        Assert.Contains("LEADER", lines[2]);
        Assert.Contains("127.0.0.1:4255", lines[2]);
        Assert.Contains("FOLLOWER", lines[1]);
        Assert.Contains("unreachable (connection refused)", lines[3]);
        Assert.Single(lines, l => l.Contains("LEADER", StringComparison.Ordinal));
    }
}
