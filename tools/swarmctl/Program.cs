using Swarm.Ctl.Running;

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};

return await SwarmCtl.MainAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable("SWARM_API"), interrupted.Token,
    Environment.GetEnvironmentVariable("SWARM_CERT_PATH"));
