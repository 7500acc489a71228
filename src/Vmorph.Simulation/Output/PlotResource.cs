namespace Vmorph.Simulation.Output;

/// <summary>The resource a plot shows.</summary>
public enum PlotResource
{
    /// <summary>CPU, in cores.</summary>
    Cpu,

    /// <summary>Memory, in GiB.</summary>
    Memory,
}
