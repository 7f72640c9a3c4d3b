using Swarm.Dispatcher;
using Swarm.ServiceDefaults;

// The dispatcher: agent sessions and the node CA over gRPC with mutual TLS (Kestrel endpoint "Grpc", https,
// HTTP/2) and health over plain HTTP/1 (endpoint "Http"); see appsettings.json (found next to the executable)
// for the defaults.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddSwarmDefaults("dispatcher");
builder.AddDispatcher();

var app = builder.Build();
app.MapSwarmDefaultEndpoints();
app.MapDispatcher();
app.Run();
