using System.Text.Json;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Cli;
using Swarm.Ctl.Output;
using Swarm.Security;

namespace Swarm.Ctl.Running;

/// <summary><c>cluster ca</c> and <c>cluster join-token</c>: the cluster CA's roots, its rotation, client certificates and join tokens.</summary>
public sealed class CaCommands(ApiClient api, TextWriter stdout, TextWriter stderr, TimeProvider time)
{
    public static readonly TimeSpan RotationPollInterval = TimeSpan.FromSeconds(1);

    private static readonly JsonSerializerOptions Indented = new(ApiClient.Json)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public async Task<int> ShowOrRotateAsync(ClusterCa c, CancellationToken ct)
    {
        var view = c.Rotate
            ? await api.PostAsync<CaView>("api/cluster/ca/rotate", new { }, ct)
            : await api.GetAsync<CaView>("api/cluster/ca", ct);
        if (c.Rotate && !c.Detach)
        {
            view = await FollowRotationAsync(view, ct);
        }

        await stdout.WriteAsync(c.Format == OutputFormat.Json ? JsonSerializer.Serialize(view, Indented) + "\n"
            : c.Quiet ? string.Concat(view.Roots.Select(r => r.Fingerprint + "\n"))
            : CaViews.Ca(view, time.GetUtcNow()));
        return 0;
    }

    /// <summary>
    /// Shows "N of M nodes renewed" on stderr as it changes, until the rotation has ended: every node renewed and the
    /// dispatcher leader retired the old root (as <c>docker swarm ca --rotate</c> waits; Ctrl-C or --detach to stop waiting).
    /// </summary>
    private async Task<CaView> FollowRotationAsync(CaView view, CancellationToken ct)
    {
        var last = "";
        while (view.Rotation is { } rotation)
        {
            var line = CaViews.RotationProgress(rotation);
            if (line != last)
            {
                await stderr.WriteLineAsync(line);
                last = line;
            }

            await Task.Delay(RotationPollInterval, time, ct);
            view = await api.GetAsync<CaView>("api/cluster/ca", ct);
        }

        await stderr.WriteLineAsync("rotation complete: only the new root is trusted");
        return view;
    }

    /// <summary>Makes a key here, sends only its signing request, and writes ca.pem and cert.pem (0644) and key.pem (0600) into the directory.</summary>
    public async Task<int> IssueClientCertificateAsync(ClusterIssueClientCert c, CancellationToken ct)
    {
        var files = TlsFiles.InDirectory(c.OutDir);
        if (File.Exists(files.Key))
        {
            await stderr.WriteLineAsync($"swarmctl: {files.Key} exists: choose another --out, or remove it first");
            return 1;
        }

        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            var issued = await api.PostAsync<ClientCertificateView>("api/cluster/ca/client-certificate",
                new ClientCertificateRequest { Csr = Convert.ToBase64String(csr), Name = c.Name }, ct);
            Directory.CreateDirectory(c.OutDir);
            Pem.WritePrivate(files.Key, Pem.PrivateKey(key));
            WritePublic(files.Cert, issued.Certificate);
            WritePublic(files.CaCert, issued.Ca);
        }

        await stdout.WriteLineAsync($"wrote {files.CaCert}, {files.Cert} and {files.Key} (0600)");
        await stdout.WriteLineAsync($"use them with: swarmctl --host https://MANAGER:PORT --tls-dir {c.OutDir} node ls   (or SWARM_CERT_PATH={c.OutDir})");
        return 0;
    }

    public async Task<int> JoinTokenAsync(ClusterJoinToken c, CancellationToken ct)
    {
        var tokens = c.Rotate
            ? await api.PostAsync<JoinTokensView>($"api/cluster/join-tokens/{c.Kind}/rotate", new { }, ct)
            : await api.GetAsync<JoinTokensView>("api/cluster/join-tokens", ct);
        var token = c.Kind == "manager" ? tokens.Manager : tokens.Worker;
        if (c.Quiet)
        {
            await stdout.WriteLineAsync(token);
            return 0;
        }

        if (c.Rotate)
        {
            await stdout.WriteLineAsync($"Successfully rotated {c.Kind} join token.\n");
        }

        await stdout.WriteAsync(CaViews.JoinCommand(c.Kind, token));
        return 0;
    }

    private static void WritePublic(string path, string text)
    {
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }
}
