using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;

namespace Swarm.Ctl.Tests;

/// <summary>
/// The control API's records as JSON: what the API writes (its settings: web casing, enums as strings,
/// nulls written) is what swarmctl reads, and what swarmctl writes the API reads strictly.
/// </summary>
public class ApiContractJsonTests
{
    /// <summary>The API's serializer settings (<c>ConfigureHttpJsonOptions</c>), strict as it reads request bodies.</summary>
    private static readonly JsonSerializerOptions ApiJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private const string ServiceSummaryJson =
        """{"id":"01234567-89ab-cdef-0123-456789abcdef","name":"web","mode":"replicated","replicas":3,"running":2,"completed":null,"totalCompletions":null,"progress":"2/3","image":"nginx:1","command":["nginx","-g","daemon off;"],"updateStatus":{"state":"updating","message":"update in progress","startedAt":"2026-11-24T20:31:02.123+00:00","completedAt":null},"ports":[{"targetPort":80,"publishedPort":30001,"protocol":"tcp","mode":"ingress"}],"createdAt":"2026-11-24T20:00:00+00:00","updatedAt":"2026-11-24T20:31:02.123+00:00"}""";

    private const string TaskDetailJson =
        """{"id":"fedcba98-7654-3210-fedc-ba9876543210","name":"web.1","service":"web","serviceId":"01234567-89ab-cdef-0123-456789abcdef","slot":1,"attempt":0,"node":"worker-1","nodeId":null,"state":"Running","desiredState":"Running","message":"started","error":null,"exitCode":null,"address":"10.0.0.2","networks":[{"networkId":"0123abcd-0000-0000-0000-000000000001","networkName":"frontend","address":"10.0.1.5","virtualIp":"10.0.1.2","aliases":["web","www"]}],"ports":[{"targetPort":80,"publishedPort":null,"protocol":null,"mode":"host"}],"networkId":null,"specVersion":2,"spec":{"name":"web","mode":null,"replicas":null,"totalCompletions":null,"maxConcurrent":null,"image":"nginx:1","command":[],"env":null,"workingDir":null,"labels":null,"restartPolicy":null,"stopGracePeriodSeconds":null,"user":null,"healthcheck":null,"placement":null,"resources":null,"ports":null,"networks":[{"target":"frontend","aliases":["www"]}],"endpointMode":"dnsrr","updateConfig":null,"rollbackConfig":null,"forceUpdate":0,"secrets":null,"configs":null},"startAfter":null,"createdAt":"2026-11-24T20:00:00+00:00","updatedAt":"2026-11-24T20:31:02.123+00:00","history":[{"version":1,"sequence":42,"timestamp":"2026-11-24T20:00:00+00:00","type":"task_created","summary":"created for slot 1 → node <none>","data":{"slot":1,"reason":"scale up"}}]}""";

    [Fact]
    public void Service_summary_reads_and_writes_back_as_the_api_wrote_it()
    {
        var read = JsonSerializer.Deserialize<ServiceSummary>(ServiceSummaryJson, ApiClient.Json)!;

        Assert.Equal("2/3", read.Progress);
        Assert.True(read.UpdateStatus!.InProgress);
        Assert.Equal(ServiceSummaryJson, JsonSerializer.Serialize(read, ApiJson));
    }

    private const string NetworkViewJson =
        """{"id":"0123abcd-0000-0000-0000-000000000001","name":"frontend","driver":"overlay","scope":"swarm","subnet":"10.0.1.0/24","gateway":"10.0.1.1","attachable":true,"ingress":false,"labels":{"env":"prod"},"createdAt":"2026-11-24T20:00:00+00:00","services":["api","web"]}""";

    [Fact]
    public void Network_view_reads_and_writes_back_as_the_api_wrote_it()
    {
        var read = JsonSerializer.Deserialize<NetworkView>(NetworkViewJson, ApiClient.Json)!;

        Assert.Equal(["api", "web"], read.Services);
        Assert.Equal("10.0.1.1", read.Gateway);
        Assert.Equal(NetworkViewJson, JsonSerializer.Serialize(read, ApiJson));
    }

    private const string EndpointJson =
        """{"virtualIps":[{"networkId":"0123abcd-0000-0000-0000-000000000001","networkName":"frontend","address":"10.0.1.2"}],"ports":[{"targetPort":80,"publishedPort":30001,"protocol":"tcp","mode":"ingress"}]}""";

    [Fact]
    public void Service_endpoint_and_networks_read_and_write_back_as_the_api_wrote_them()
    {
        var endpoint = JsonSerializer.Deserialize<ServiceEndpointView>(EndpointJson, ApiClient.Json)!;
        Assert.Equal("frontend", endpoint.VirtualIps[0].NetworkName);
        Assert.Equal(30001, endpoint.Ports[0].PublishedPort);
        Assert.Equal(EndpointJson, JsonSerializer.Serialize(endpoint, ApiJson));

        const string network = """{"target":"frontend","networkId":null,"networkName":null,"aliases":["www"]}""";
        Assert.Equal(network, JsonSerializer.Serialize(JsonSerializer.Deserialize<ServiceNetworkView>(network, ApiClient.Json), ApiJson));
    }

    [Fact]
    public void Task_detail_reads_and_writes_back_as_the_api_wrote_it_enums_as_names_and_event_data_as_is()
    {
        var read = JsonSerializer.Deserialize<TaskDetail>(TaskDetailJson, ApiClient.Json)!;

        Assert.Equal(Swarm.Contracts.Model.TaskState.Running, read.State);
        Assert.Equal("scale up", read.History[0].Data.GetProperty("reason").GetString());
        Assert.Equal(TaskDetailJson, JsonSerializer.Serialize(read, ApiJson));
    }

    [Fact]
    public void Update_service_request_from_swarmctl_leaves_out_unset_members_and_the_api_reads_it()
    {
        var body = new UpdateServiceRequest { Version = 7, Replicas = 2, Force = true };

        var json = JsonSerializer.Serialize(body, ApiClient.Json);
        Assert.Equal("""{"version":7,"replicas":2,"force":true}""", json);
        Assert.Equal(body, JsonSerializer.Deserialize<UpdateServiceRequest>(json, ApiJson));
        Assert.Equal("{}", JsonSerializer.Serialize(new UpdateServiceRequest(), ApiClient.Json));
    }

    [Fact]
    public void Update_service_request_refuses_null_for_force_and_unknown_members()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<UpdateServiceRequest>("""{"force":null}""", ApiJson));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<UpdateServiceRequest>("""{"replica":2}""", ApiJson));
    }

    [Fact]
    public void Error_body_and_command_result_round_trip()
    {
        const string error = """{"code":"invalid","field":"spec.replicas","reason":"must be zero or more"}""";
        const string result = """{"id":"01234567-89ab-cdef-0123-456789abcdef","version":3}""";

        Assert.Equal(error, JsonSerializer.Serialize(JsonSerializer.Deserialize<ApiErrorBody>(error, ApiClient.Json), ApiJson));
        Assert.Equal(result, JsonSerializer.Serialize(JsonSerializer.Deserialize<CommandResult>(result, ApiClient.Json), ApiJson));
    }
}
