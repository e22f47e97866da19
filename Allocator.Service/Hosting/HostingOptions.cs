namespace Allocator.Service.Hosting;

/// <summary>Who this replica is, where it listens and how it shuts down (section <c>Allocator</c>).</summary>
public sealed class HostingOptions
{
    /// <summary>Address the ports listen on: <c>*</c> for every interface, or an IP address.</summary>
    public string ListenAddress { get; set; } = "*";
    /// <summary>gRPC and REST (<c>POST /gameserverallocation</c>); TLS unless <c>Plaintext</c>.</summary>
    public int Port { get; set; } = 8443;
    /// <summary>Plain HTTP/1.1: <c>/healthz</c>, <c>/readyz</c>, <c>/live</c>, <c>/ready</c>, <c>/metrics</c> (and REST when plaintext). 0 turns it off.</summary>
    public int OpsPort { get; set; } = 8080;
    /// <summary>Unique per replica; defaults to host name + process id.</summary>
    public string ReplicaId { get; set; } = "";
    /// <summary>App version advertised for version-aware hand-over.</summary>
    public string Version { get; set; } = "0.1.0";
    /// <summary>
    /// Grace period on SIGTERM: hand-over is immediate; this bounds how long in-flight calls
    /// may drain before the process exits (keep terminationGracePeriodSeconds above it).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);
    /// <summary>
    /// After SIGTERM, how long the ports stay open while readiness reports false, so that
    /// traffic stops arriving before they close (part of ShutdownTimeout).
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(2);
}

public sealed class HostingOptionsValidator : SettingsValidator<HostingOptions>
{
    public override IEnumerable<string> Problems(HostingOptions o)
    {
        if (o.Port is < 1 or > 65535) yield return "Allocator:Port must be between 1 and 65535.";
        if (o.OpsPort is < 0 or > 65535 || o.OpsPort == o.Port) yield return "Allocator:OpsPort must be between 0 (off) and 65535, and differ from Allocator:Port.";
        if (o.ListenAddress != "*" && !System.Net.IPAddress.TryParse(o.ListenAddress, out _)) yield return "Allocator:ListenAddress must be * or an IP address.";
        if (o.ShutdownTimeout < TimeSpan.FromSeconds(1)) yield return "Allocator:ShutdownTimeout must be at least 1s.";
        if (o.DrainDelay < TimeSpan.Zero || o.DrainDelay >= o.ShutdownTimeout) yield return "Allocator:DrainDelay must be between 0 and Allocator:ShutdownTimeout.";
    }
}
