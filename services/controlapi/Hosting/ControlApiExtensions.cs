using System.Text.Json.Serialization;
using OpenTelemetry.Metrics;
using Swarm.ControlApi.Cluster;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Metrics;
using Swarm.ControlApi.Nodes;
using Swarm.ControlApi.Services;
using Swarm.ControlApi.Tasks;
using Swarm.Contracts.Commands;
using Swarm.Messaging;

namespace Swarm.ControlApi.Hosting;

/// <summary>The control API's wiring: the log (reads), the bus (commands), JSON, OpenAPI and the endpoints.</summary>
public static class ControlApiExtensions
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplicationBuilder AddControlApi(this WebApplicationBuilder builder)
    {
        builder.ListenOnDefaultUrlUnlessConfigured();
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddMeter(ReadModelMetrics.MeterName));

        builder.AddSwarmManager(x =>
        {
            x.AddRequestClient<CreateService>();
            x.AddRequestClient<UpdateService>();
            x.AddRequestClient<RemoveService>();
            x.AddRequestClient<UpdateNode>();
            x.AddRequestClient<UpdateCluster>();
        });

        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        builder.Services.AddScoped<CommandSender>();
        builder.Services.AddSingleton<ReadModelMetrics>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReadModelMetrics>());
        builder.Services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapControlApi(this WebApplication app)
    {
        app.UseMiddleware<ErrorAnswerMiddleware>();
        app.UseStatusCodePages(ctx => ErrorAnswerMiddleware.DescribeStatusAsync(ctx.HttpContext));
        app.MapOpenApi();
        app.MapServiceEndpoints();
        app.MapTaskEndpoints();
        app.MapNodeEndpoints();
        app.MapClusterEndpoints();
        Swarm.ControlApi.Dispatchers.DispatcherEndpoints.MapDispatcherEndpoints(app);
        Swarm.ControlApi.Logs.LogEndpoints.MapLogEndpoints(app);
        return app;
    }

    /// <summary>
    /// Listens on <c>ControlApi:DefaultUrl</c> (loopback port 5080) unless an address was given through
    /// <c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c> or Kestrel endpoint configuration.
    /// </summary>
    private static void ListenOnDefaultUrlUnlessConfigured(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var configured = !string.IsNullOrWhiteSpace(config["urls"])
            || !string.IsNullOrWhiteSpace(config["http_ports"])
            || !string.IsNullOrWhiteSpace(config["https_ports"])
            || config.GetSection("Kestrel:Endpoints").GetChildren().Any();
        if (!configured)
        {
            builder.WebHost.UseUrls(config["ControlApi:DefaultUrl"] is { Length: > 0 } url ? url : DefaultUrl);
        }
    }
}
