using Swarm.ControlApi.Hosting;
using Swarm.ServiceDefaults;

// controlapi: the cluster's HTTP/JSON front door. Reads come from the log's read models; every
// write is a command on the bus, answered by the orchestrator.
var builder = WebApplication.CreateBuilder(args);
builder.AddSwarmDefaults("controlapi");
builder.AddControlApi();

var app = builder.Build();
app.MapSwarmDefaultEndpoints();
app.MapControlApi();
app.Run();
