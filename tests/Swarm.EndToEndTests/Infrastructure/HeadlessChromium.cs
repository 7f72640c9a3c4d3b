using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Swarm.EndToEndTests.Infrastructure;

/// <summary>
/// Debian's <c>chromium</c>, headless, driven as a person's browser through the DevTools protocol: one profile (so the
/// dashboard's session cookie stays), one tab that opens URLs, and the DOM read back as the page's scripts change it.
/// </summary>
/// <remarks>
/// The dashboard's pages are interactive server-rendered Blazor: their content arrives over a WebSocket after the
/// page has loaded, which <c>--dump-dom</c> does not wait for (with <c>--virtual-time-budget</c> it returns the empty
/// shell), so the DOM is polled until it shows what a test waits for. <c>./swarm test</c> installs chromium with
/// apt-get when run as root; <c>SWARM_TEST_CHROMIUM</c> names another binary.
/// </remarks>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _profile;
    private readonly ClientWebSocket _socket;
    private int _nextId;

    private HeadlessChromium(Process process, DirectoryInfo profile, ClientWebSocket socket)
    {
        _process = process;
        _profile = profile;
        _socket = socket;
    }

    public static (string? Path, string? Missing) Find()
    {
        var named = Environment.GetEnvironmentVariable("SWARM_TEST_CHROMIUM");
        if (!string.IsNullOrEmpty(named))
        {
            return File.Exists(named) ? (named, null) : (null, $"SWARM_TEST_CHROMIUM={named} does not exist");
        }

        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(dir => new[] { Path.Combine(dir, "chromium"), Path.Combine(dir, "chromium-browser") })
            .FirstOrDefault(File.Exists);
        return path is null
            ? (null, "chromium is not installed (./swarm test installs it with apt-get when run as root; or apt-get install chromium)")
            : (path, null);
    }

    public static async Task<HeadlessChromium> StartAsync(string executable, int width = 1600, int height = 1000)
    {
        var profile = Directory.CreateTempSubdirectory("swarm-chromium-");
        var psi = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
                 {
                     "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--no-default-browser-check", "--disable-extensions", "--disable-background-networking", "--disable-sync",
                     "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile.FullName}",
                     $"--window-size={width},{height}", "--hide-scrollbars", "about:blank",
                 })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException($"chromium exited before it listened:\n{stderr}"));
                return;
            }

            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            if (DevToolsListening().Match(e.Data) is { Success: true } m)
            {
                listening.TrySetResult(m.Groups["port"].Value);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var targets = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list")))!.AsArray();
            var page = targets.First(t => t!["type"]!.GetValue<string>() == "page")!;
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri(page["webSocketDebuggerUrl"]!.GetValue<string>()), CancellationToken.None);
            var browser = new HeadlessChromium(process, profile, socket);
            await browser.CallAsync("Page.enable");
            return browser;
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Opens <paramref name="url"/> in the tab (as typing it in the address bar).</summary>
    public Task NavigateAsync(string url) => CallAsync("Page.navigate", new JsonObject { ["url"] = url });

    /// <summary>The tab's DOM as it is now.</summary>
    public async Task<string> HtmlAsync()
    {
        var result = await CallAsync("Runtime.evaluate", new JsonObject { ["expression"] = "document.documentElement.outerHTML", ["returnByValue"] = true });
        return result["result"]?["value"]?.GetValue<string>() ?? "";
    }

    /// <summary>Opens <paramref name="url"/> and waits until its DOM satisfies <paramref name="done"/>; returns that DOM.</summary>
    public async Task<string> OpenAsync(string url, Func<string, bool> done, TimeSpan timeout, string what)
    {
        await NavigateAsync(url);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var html = await HtmlAsync();
            if (done(html))
            {
                return html;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0}s waiting for {what} on {url}; the page's text: {Text(html)}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>A PNG of the tab, <paramref name="height"/> pixels tall (the page's layout viewport is resized to it).</summary>
    public async Task ScreenshotAsync(string file, int width = 1600, int height = 1000)
    {
        await CallAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
        await Task.Delay(1000); // the grid lays out the rows that now fit
        var shot = await CallAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        await File.WriteAllBytesAsync(file, Convert.FromBase64String(shot["data"]!.GetValue<string>()));
    }

    /// <summary>The visible text of <paramref name="html"/>, whitespace collapsed (for assertions and messages).</summary>
    public static string Text(string html) => Whitespace().Replace(Tag().Replace(html, " "), " ").Trim();

    private async Task<JsonNode> CallAsync(string method, JsonObject? parameters = null)
    {
        var id = ++_nextId;
        var request = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cts.Token);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, cts.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException($"chromium closed the DevTools connection during {method}");
                }

                await message.WriteAsync(buffer.AsMemory(0, received.Count), cts.Token);
            }
            while (!received.EndOfMessage);

            // events (no id) and answers to earlier calls are skipped
            var answer = JsonNode.Parse(message.ToArray())!;
            if (answer["id"]?.GetValue<int>() != id)
            {
                continue;
            }

            if (answer["error"] is { } error)
            {
                throw new InvalidOperationException($"chromium: {method} failed: {error.ToJsonString()}");
            }

            return answer["result"] ?? new JsonObject();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await CallAsync("Browser.close");
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or WebSocketException or OperationCanceledException)
        {
            // it is killed below
        }

        _socket.Dispose();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        try
        {
            _profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // a helper process may hold a file for a moment longer; it is a temporary folder
        }
    }

    [GeneratedRegex(@"DevTools listening on ws://127\.0\.0\.1:(?<port>\d+)/")]
    private static partial Regex DevToolsListening();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
