using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Cli;
using Swarm.Ctl.Running;

namespace Swarm.Ctl.Tests;

/// <summary>The <c>secret</c> and <c>config</c> commands and the secret/config flags of <c>service create/update</c>.</summary>
public class SecretCommandTests
{
    private static readonly Guid SecretId = Guid.Parse("5ec2e700000040008000000000000001");
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static string Json(object value) => JsonSerializer.Serialize(value, ApiClient.Json);

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string api, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var exit = await SwarmCtl.MainAsync(args, stdout, stderr, api, cts.Token);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Secret_create_takes_a_name_a_file_or_dash_and_labels()
    {
        var c = Cli.Command<SecretCreate>("secret", "create", "--label", "env=prod", "-l", "team=db", "db-password", "./pw.txt");
        Assert.Equal(("secret", "db-password", "./pw.txt"), (c.Kind, c.Name, c.File));
        Assert.Equal(new Dictionary<string, string> { ["env"] = "prod", ["team"] = "db" }, c.Labels);

        Assert.Equal("-", Cli.Command<SecretCreate>("config", "create", "app-conf", "-").File);
        Assert.Equal("config", Cli.Command<SecretCreate>("config", "create", "app-conf", "-").Kind);
        Cli.Usage("secret", "create", "only-a-name");
        Cli.Usage("secret", "create", "a", "b", "c");
    }

    [Fact]
    public void Secret_ls_inspect_and_rm_parse_like_dockers()
    {
        Assert.Equal(new SecretList("secret", OutputFormat.Json, false), Cli.Command<SecretList>("secret", "ls", "--format", "json"));
        Assert.True(Cli.Command<SecretList>("config", "ls", "-q").Quiet);
        Assert.Equal(["a", "b"], Cli.Command<SecretInspect>("secret", "inspect", "a", "b").Names);
        Assert.True(Cli.Command<SecretInspect>("config", "inspect", "--pretty", "a").Pretty);
        Assert.Equal(["a", "b"], Cli.Command<SecretRemove>("secret", "rm", "a", "b").Names);
        Cli.Usage("secret", "rm");
    }

    [Fact]
    public void Service_create_takes_short_and_long_secret_and_config_references()
    {
        var c = Cli.Command<ServiceCreate>("service", "create", "--name", "db",
            "--secret", "db-password",
            "--secret", "source=tls-key,target=server.key,uid=999,gid=998,mode=0400",
            "--config", "src=pg-conf,target=/etc/postgresql/postgresql.conf",
            "--", "postgres");

        Assert.Equal(
            [new SecretReferenceSpec { Source = "db-password" }, new SecretReferenceSpec { Source = "tls-key", Target = "server.key", Uid = "999", Gid = "998", Mode = 256 }],
            c.Spec.Secrets);
        Assert.Equal([new ConfigReferenceSpec { Source = "pg-conf", Target = "/etc/postgresql/postgresql.conf" }], c.Spec.Configs);
        Assert.Null(Cli.Command<ServiceCreate>("service", "create", "--name", "web", "--", "sleep", "1").Spec.Secrets);
    }

    [Theory]
    [InlineData("source=pw,mode=0800")]
    [InlineData("source=pw,mode=rw")]
    [InlineData("source=pw,owner=root")]
    [InlineData("target=file")]
    [InlineData("pw,target=x")]
    public void A_bad_secret_reference_is_refused_naming_the_flag(string value)
    {
        var error = Cli.Usage("service", "create", "--name", "db", "--secret", value, "--", "postgres");

        Assert.Contains("for --secret", error.Message);
    }

    [Fact]
    public void Secret_changes_remove_by_name_and_add_replacing_the_same_target()
    {
        var current = new ServiceSpec
        {
            Name = "db",
            Secrets = [new() { Source = "pw-v1", Target = "db-password" }, new() { Source = "tls-key" }],
            Configs = [new() { Source = "conf" }],
        };
        var u = Cli.Command<ServiceUpdate>("service", "update", "db", "--secret-add", "source=pw-v2,target=db-password", "--secret-rm", "tls-key", "--config-rm", "conf");

        var spec = u.Changes.ToBody(current).Spec!;

        Assert.Equal([new SecretReferenceSpec { Source = "pw-v2", Target = "db-password" }], spec.Secrets);
        Assert.Null(spec.Configs);
        Assert.False(u.Changes.IsEmpty);
    }

    [Fact]
    public async Task Secret_create_reads_the_file_and_posts_it_base64_printing_the_id()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllBytesAsync(file, [0, 1, 2, 255, (byte)'x']);
        var posted = "";
        await using var api = new ScriptedApi((request, response) =>
        {
            posted = request.Body;
            return ScriptedApi.JsonAsync(response, Json(new SecretView { Id = SecretId, Name = "blob", Size = 5, CreatedAt = Now }), 201);
        });

        var (exit, stdout, stderr) = await RunAsync(api.Url, "secret", "create", "--label", "env=prod", "blob", file);
        File.Delete(file);

        Assert.Equal((0, ""), (exit, stderr));
        Assert.Equal($"{SecretId:N}\n", stdout.ReplaceLineEndings("\n"));
        var body = JsonNode.Parse(posted)!;
        Assert.Equal(("blob", "AAEC/3g=", "prod"), ((string?)body["name"], (string?)body["data"], (string?)body["labels"]!["env"]));
        Assert.StartsWith("POST api/secrets", api.Requests.Single());
    }

    [Fact]
    public async Task Secret_create_with_a_dash_reads_standard_input()
    {
        var posted = "";
        await using var api = new ScriptedApi((request, response) =>
        {
            posted = request.Body;
            return ScriptedApi.JsonAsync(response, Json(new ConfigView { Id = SecretId, Name = "app", Size = 4, CreatedAt = Now }), 201);
        });
        using var http = new HttpClient { BaseAddress = new Uri(api.Url + "/") };
        var stdout = new StringWriter();
        var runner = new CommandRunner(new ApiClient(http), stdout, new StringWriter(), TimeProvider.System, () => new MemoryStream("a=1\n"u8.ToArray()));

        var exit = await runner.RunAsync(Cli.Command<SecretCreate>("config", "create", "app", "-"), CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Equal(Convert.ToBase64String("a=1\n"u8), (string?)JsonNode.Parse(posted)!["data"]);
        Assert.StartsWith("POST api/configs", api.Requests.Single());
    }

    [Fact]
    public async Task Secret_create_of_a_missing_file_fails_without_calling_the_api()
    {
        await using var api = new ScriptedApi((_, response) => ScriptedApi.JsonAsync(response, "{}", 500));

        var (exit, _, stderr) = await RunAsync(api.Url, "secret", "create", "pw", "/nonexistent/pw.txt");

        Assert.Equal(1, exit);
        Assert.Contains("cannot read /nonexistent/pw.txt", stderr);
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task Secret_ls_prints_id_name_created_and_inspect_prints_metadata_json()
    {
        var secret = new SecretView { Id = SecretId, Name = "db-password", Size = 12, CreatedAt = Now.AddHours(-2), Labels = new Dictionary<string, string> { ["env"] = "prod" } };
        await using var api = new ScriptedApi((request, response) => request.Path switch
        {
            "api/secrets" => ScriptedApi.JsonAsync(response, Json(new[] { secret })),
            "api/secrets/db-password" => ScriptedApi.JsonAsync(response, Json(secret)),
            _ => ScriptedApi.JsonAsync(response, """{"code":"not-found","field":"","reason":"no secret 'nope'"}""", 404),
        });

        var (exit, stdout, _) = await RunAsync(api.Url, "secret", "ls");
        Assert.Equal(0, exit);
        var lines = stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ID", "NAME", "CREATED"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(SecretId.ToString("N")[..12], lines[1]);
        Assert.Contains("db-password", lines[1]);

        var (inspectExit, json, stderr) = await RunAsync(api.Url, "secret", "inspect", "db-password", "nope");
        Assert.Equal(1, inspectExit);
        var item = JsonNode.Parse(json)!.AsArray().Single()!;
        Assert.Equal(("db-password", 12), ((string?)item["name"], (int)item["size"]!));
        Assert.Contains("swarmctl: nope: no secret 'nope'", stderr);
    }

    [Fact]
    public async Task Config_inspect_pretty_shows_the_value_and_json_does_not()
    {
        var config = new ConfigView { Id = SecretId, Name = "nginx-conf", Size = 21, Digest = "ab12", CreatedAt = Now, Data = Convert.ToBase64String("server { listen 80; }"u8) };
        await using var api = new ScriptedApi((_, response) => ScriptedApi.JsonAsync(response, Json(config)));

        var (exit, pretty, _) = await RunAsync(api.Url, "config", "inspect", "--pretty", "nginx-conf");
        Assert.Equal(0, exit);
        Assert.Contains("Name:      nginx-conf", pretty);
        Assert.Contains("Data:\nserver { listen 80; }\n", pretty.ReplaceLineEndings("\n"));

        var (_, json, _) = await RunAsync(api.Url, "config", "inspect", "nginx-conf");
        Assert.Null(JsonNode.Parse(json)!.AsArray().Single()!["data"]);
    }

    [Fact]
    public async Task Secret_rm_tries_each_and_names_the_services_using_one()
    {
        await using var api = new ScriptedApi((request, response) => request.Path switch
        {
            "api/secrets/used" => ScriptedApi.JsonAsync(response, """{"code":"conflict","field":"","reason":"secret 'used' is in use by service web"}""", 409),
            _ => ScriptedApi.JsonAsync(response, $$"""{"id":"{{SecretId}}","version":2}"""),
        });

        var (exit, stdout, stderr) = await RunAsync(api.Url, "secret", "rm", "used", "free");

        Assert.Equal(1, exit);
        Assert.Equal("free\n", stdout.ReplaceLineEndings("\n"));
        Assert.Contains("swarmctl: used: secret 'used' is in use by service web", stderr);
        Assert.Equal(["DELETE api/secrets/used", "DELETE api/secrets/free"], api.Requests);
    }

    [Fact]
    public async Task Every_secret_and_config_command_has_help_with_examples()
    {
        foreach (var kind in new[] { "secret", "config" })
        {
            foreach (var verb in new[] { "create", "ls", "inspect", "rm" })
            {
                var stdout = new StringWriter();
                var exit = await SwarmCtl.MainAsync([kind, verb, "--help"], stdout, new StringWriter(), "http://127.0.0.1:1", CancellationToken.None);

                Assert.Equal(0, exit);
                Assert.Contains($"swarmctl {kind} {verb}", stdout.ToString());
                Assert.Contains("Examples:", stdout.ToString(), StringComparison.OrdinalIgnoreCase);
            }
        }

        var service = new StringWriter();
        await SwarmCtl.MainAsync(["service", "create", "--help"], service, new StringWriter(), "http://127.0.0.1:1", CancellationToken.None);
        Assert.Contains("--secret source=tls-key", service.ToString());
    }
}

public class SecretServiceViewTests
{
    [Fact]
    public void Service_inspect_shows_the_files_secrets_and_configs_become()
    {
        var detail = new ServiceDetail
        {
            Name = "db",
            Spec = new ServiceSpec
            {
                Name = "db",
                Command = ["postgres"],
                Secrets = [new() { Source = "db-password" }, new() { Source = "tls-key", Target = "server.key", Uid = "999", Gid = "999", Mode = 256 }],
                Configs = [new() { Source = "pg-conf", Target = "/etc/postgresql/postgresql.conf" }],
            },
        };

        var text = Swarm.Ctl.Output.Views.Service(detail, DateTimeOffset.UnixEpoch);

        Assert.Contains("db-password → /run/secrets/db-password (uid 0, gid 0, mode 0444)", text);
        Assert.Contains("tls-key → /run/secrets/server.key (uid 999, gid 999, mode 0400)", text);
        Assert.Contains("pg-conf → /etc/postgresql/postgresql.conf (uid 0, gid 0, mode 0444)", text);
    }
}
