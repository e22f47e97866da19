namespace Allocator.Service.Tools;

public static class Percentiles
{
    /// <summary>The nearest-rank percentile <paramref name="q"/> (0..1) of ascending <paramref name="sorted"/>; 0 when empty.</summary>
    public static double At(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
