using Swarm.Allocator;
using Swarm.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddSwarmDefaults("allocator");
builder.AddAllocator();

var app = builder.Build();
app.MapSwarmDefaultEndpoints();
app.Run();
