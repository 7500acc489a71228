using Spectre.Console.Cli;

namespace Vmorph.Cli.Hosting;

/// <summary>The smallest registrar Spectre.Console.Cli needs to hand commands their <see cref="CliContext"/>.</summary>
internal sealed class TypeRegistrar : ITypeRegistrar, ITypeResolver
{
    private readonly Dictionary<Type, Func<object>> factories = [];

    public ITypeResolver Build() => this;

    public void Register(Type service, Type implementation) => factories[service] = () => Create(implementation);

    public void RegisterInstance(Type service, object implementation) => factories[service] = () => implementation;

    public void RegisterLazy(Type service, Func<object> factory) => factories[service] = factory;

    public object? Resolve(Type? type)
    {
        if (type is null) return null;
        if (factories.TryGetValue(type, out var factory)) return factory();
        return type.IsAbstract || type.IsInterface ? null : Create(type);
    }

    private object Create(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var arguments = constructor.GetParameters().Select(p => Resolve(p.ParameterType)
            ?? throw new InvalidOperationException($"cannot create {type.Name}: nothing registered for {p.ParameterType.Name}")).ToArray();
        return constructor.Invoke(arguments);
    }
}
