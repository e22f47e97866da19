using Microsoft.Extensions.Options;

namespace Allocator.Service;

/// <summary>
/// Checks one capability's settings at start and reports every problem at once, each naming
/// the setting to change, so a replica with a bad configuration exits before it serves.
/// </summary>
public abstract class SettingsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public abstract IEnumerable<string> Problems(TOptions options);
}

public static class SettingsRegistration
{
    /// <summary>The <c>Allocator</c> configuration section (environment <c>Allocator__*</c>, command line <c>--Allocator:*</c>).</summary>
    public const string Section = "Allocator";

    /// <summary>Binds <typeparamref name="TOptions"/> from <c>Allocator</c> (or <c>Allocator:{child}</c>).</summary>
    public static OptionsBuilder<TOptions> AddSettings<TOptions>(this IServiceCollection services, IConfiguration configuration, string? child = null)
        where TOptions : class =>
        services.AddOptions<TOptions>().Bind(configuration.GetSection(child is null ? Section : $"{Section}:{child}"));

    /// <summary>As <see cref="AddSettings{TOptions}"/>, validated at start by <typeparamref name="TValidator"/>.</summary>
    public static OptionsBuilder<TOptions> AddSettings<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string? child = null)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services.AddSettings<TOptions>(configuration, child).ValidateOnStart();
    }
}
