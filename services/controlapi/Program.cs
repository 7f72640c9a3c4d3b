using Swarm.ControlApi.Hosting;

// controlapi: the cluster's HTTP/JSON front door. Reads come from the log's read models; every
// write is a command on the bus, answered by the orchestrator.
var builder = WebApplication.CreateBuilder(args);
builder.AddControlApi();

var app = builder.Build();
app.MapControlApi();
app.Run();
