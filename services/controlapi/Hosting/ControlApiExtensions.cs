using System.Text.Json.Serialization;
using OpenTelemetry.Metrics;
using Swarm.ControlApi.Cluster;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Metrics;
using Swarm.ControlApi.Networks;
using Swarm.ControlApi.Nodes;
using Swarm.ControlApi.Secrets;
using Swarm.ControlApi.Services;
using Swarm.ControlApi.Tasks;
using Swarm.Contracts.Commands;
using Swarm.EventStore.Secrets;
using Swarm.EventStore.Security;
using Swarm.Messaging;

namespace Swarm.ControlApi.Hosting;

/// <summary>
/// The control API's wiring: where it listens and who may call it (<see cref="ControlApiListeners"/>,
/// <see cref="ControlApiAccess"/>), the log (reads), the cluster CA, the bus (commands), JSON, OpenAPI and the endpoints.
/// </summary>
public static class ControlApiExtensions
{
    public static WebApplicationBuilder AddControlApi(this WebApplicationBuilder builder)
    {
        ControlApiListeners.Configure(builder);
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddMeter(ReadModelMetrics.MeterName));

        builder.AddSwarmManager(x =>
        {
            x.AddRequestClient<CreateService>();
            x.AddRequestClient<UpdateService>();
            x.AddRequestClient<RemoveService>();
            x.AddRequestClient<UpdateNode>();
            x.AddRequestClient<RemoveNode>();
            x.AddRequestClient<UpdateCluster>();
            x.AddRequestClient<CreateNetwork>();
            x.AddRequestClient<RemoveNetwork>();
        });

        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        // the CA's key-encryption key is read now: without Swarm:Ca:KeyFile or Swarm:Ca:Key the process does not start
        builder.Services.AddClusterCa(builder.Configuration);
        builder.Services.AddSecretStore();
        builder.Services.AddSingleton<AdminCertificates>();
        builder.Services.AddSingleton<ServerCertificate>();
        builder.Services.AddSingleton<Swarm.ControlApi.Logs.DispatcherLogClient>();
        builder.Services.AddSingleton<DispatcherLocks>();
        builder.Services.AddHostedService<DispatcherUnlockService>();
        builder.Services.AddSingleton<AllowedHosts>();
        builder.Services.AddScoped<CommandSender>();
        builder.Services.AddSingleton<ReadModelMetrics>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReadModelMetrics>());
        builder.Services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapControlApi(this WebApplication app)
    {
        app.UseMiddleware<ErrorAnswerMiddleware>();
        app.UseMiddleware<ControlApiAccess>();
        app.UseMiddleware<LockedGate>();
        app.UseStatusCodePages(ctx => ErrorAnswerMiddleware.DescribeStatusAsync(ctx.HttpContext));
        app.MapOpenApi();
        app.MapServiceEndpoints();
        app.MapTaskEndpoints();
        app.MapNodeEndpoints();
        app.MapNetworkEndpoints();
        app.MapSecretEndpoints();
        app.MapClusterEndpoints();
        app.MapCaEndpoints();
        app.MapJoinTokenEndpoints();
        app.MapAutolockEndpoints();
        Swarm.ControlApi.Dispatchers.DispatcherEndpoints.MapDispatcherEndpoints(app);
        Swarm.ControlApi.Logs.LogEndpoints.MapLogEndpoints(app);
        return app;
    }
}
