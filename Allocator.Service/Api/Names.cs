namespace Allocator.Service.Api;

/// <summary>Kubernetes naming rules for the names callers send.</summary>
public static class Names
{
    public static bool IsDnsLabel(string s) => s.Length <= 63 && IsDnsLabelShape(s);

    /// <summary>A DNS-1123 subdomain: dot-separated DNS labels, at most 253 characters in all.</summary>
    public static bool IsDnsSubdomain(string s) => s.Length is > 0 and <= 253 && s.Split('.').All(IsDnsLabelShape);

    /// <summary>A counter or list name (Agones allows any non-empty string; we bound its length).</summary>
    public static bool IsKey(string s) => s.Length is > 0 and <= Limits.MaxKeyLength && !s.Any(char.IsControl);

    /// <summary>
    /// Kubernetes' qualified name: an optional DNS-1123 subdomain prefix and '/', then a name of
    /// at most 63 letters, digits, '-', '_' or '.' that starts and ends with a letter or digit.
    /// </summary>
    public static bool IsLabelKey(string s)
    {
        var slash = s.IndexOf('/');
        if (slash >= 0 && !IsDnsSubdomain(s[..slash])) return false;
        var name = slash < 0 ? s : s[(slash + 1)..];
        return name.Length is > 0 and <= 63 && IsNameChars(name) && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]);
    }

    /// <summary>As a label key, but Kubernetes checks annotation keys in lower case (so the prefix may have capitals).</summary>
    public static bool IsAnnotationKey(string s) => IsLabelKey(s.ToLowerInvariant());

    public static bool IsLabelValue(string s) =>
        s.Length == 0 || (s.Length <= 63 && IsNameChars(s) && char.IsAsciiLetterOrDigit(s[0]) && char.IsAsciiLetterOrDigit(s[^1]));

    /// <summary>A caller-supplied request id: it becomes part of a Redis key, so keep it plain.</summary>
    public static bool IsRequestId(string s) =>
        s.Length is > 0 and <= Limits.MaxRequestIdLength && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    private static bool IsDnsLabelShape(string s) =>
        s.Length > 0 && s.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && s[0] != '-' && s[^1] != '-';

    private static bool IsNameChars(string s) => s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
