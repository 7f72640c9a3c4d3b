using Swarm.Scheduler;
using Swarm.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddSwarmDefaults("scheduler");
builder.AddScheduler();

var app = builder.Build();
app.MapSwarmDefaultEndpoints();
app.Run();
