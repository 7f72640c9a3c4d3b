using System.Text.Json;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Common;

namespace Swarm.IntegrationTests.Api;

/// <summary>A request body whose numbers do not fit their field is refused naming the field and the range it takes.</summary>
public sealed class JsonBodyTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Theory]
    [InlineData("""{"name":"web","command":["true"],"replicas":1e12}""", "spec.replicas", "from -2147483648 to 2147483647")]
    [InlineData("""{"name":"web","command":["true"],"restartPolicy":{"maxAttempts":4294967296}}""", "spec.restartPolicy.maxAttempts", "from -2147483648 to 2147483647")]
    [InlineData("""{"name":"web","command":["true"],"resources":{"limits":{"memoryBytes":1e30}}}""", "spec.resources.limits.memoryBytes", "from -9223372036854775808 to 9223372036854775807")]
    [InlineData("""{"name":"web","command":["true"],"ports":[{"targetPort":1.5}]}""", "spec.ports[0].targetPort", "whole number")]
    public void A_number_that_does_not_fit_its_field_names_the_field_and_the_range(string json, string field, string reason)
    {
        var ex = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ServiceSpec>(json, Web));
        Assert.Equal(field, JsonBody.FieldOf(ex.Path, "spec"));
        Assert.Contains(reason, JsonBody.Describe(ex));
    }
}
