using Swarm.Orchestrator;
using Swarm.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddSwarmDefaults("orchestrator");
builder.AddOrchestrator();

var app = builder.Build();
app.MapSwarmDefaultEndpoints();
app.Run();
