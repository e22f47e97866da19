namespace Allocator.Service.Telemetry;

/// <summary>Trace export (section <c>Allocator:Otlp</c>); metrics are always on.</summary>
public sealed class OtlpOptions
{
    /// <summary>OTLP endpoint, e.g. http://otel-collector:4317; empty: no spans are made or exported.</summary>
    public string Endpoint { get; set; } = "";
}

public sealed class OtlpOptionsValidator : SettingsValidator<OtlpOptions>
{
    public override IEnumerable<string> Problems(OtlpOptions o)
    {
        if (!string.IsNullOrEmpty(o.Endpoint) && !Uri.TryCreate(o.Endpoint, UriKind.Absolute, out _)) yield return "Allocator:Otlp:Endpoint must be an absolute URL, e.g. http://otel-collector:4317.";
    }
}
