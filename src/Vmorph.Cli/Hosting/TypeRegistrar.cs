using Spectre.Console.Cli;

namespace Vmorph.Cli.Hosting;

/// <summary>
/// The smallest registrar Spectre.Console.Cli needs to hand commands their <see cref="CliContext"/>: registrations by
/// type (the last one wins for a single instance; all of them for an <see cref="IEnumerable{T}"/>), and constructor
/// injection for everything else.
/// </summary>
internal sealed class TypeRegistrar : ITypeRegistrar, ITypeResolver
{
    private readonly Dictionary<Type, List<Func<object>>> factories = [];

    public ITypeResolver Build() => this;

    public void Register(Type service, Type implementation) => Add(service, () => Create(implementation));

    public void RegisterInstance(Type service, object implementation) => Add(service, () => implementation);

    public void RegisterLazy(Type service, Func<object> factory)
    {
        var value = new Lazy<object>(factory);
        Add(service, () => value.Value);
    }

    public object? Resolve(Type? type)
    {
        if (type is null) return null;
        if (factories.TryGetValue(type, out var registered)) return registered[^1]();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            var element = type.GetGenericArguments()[0];
            var all = factories.GetValueOrDefault(element) ?? [];
            var array = Array.CreateInstance(element, all.Count);
            for (var i = 0; i < all.Count; i++) array.SetValue(all[i](), i);
            return array;
        }
        return type.IsAbstract || type.IsInterface ? null : Create(type);
    }

    private void Add(Type service, Func<object> factory)
    {
        if (!factories.TryGetValue(service, out var list)) factories[service] = list = [];
        list.Add(factory);
    }

    private object Create(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var arguments = constructor.GetParameters().Select(p => Resolve(p.ParameterType)
            ?? throw new InvalidOperationException($"cannot create {type.Name}: nothing registered for {p.ParameterType.Name}")).ToArray();
        return constructor.Invoke(arguments);
    }
}
