namespace Vmorph.Planning;

/// <summary>A step's risk and why.</summary>
/// <param name="Level">Low, medium or high.</param>
/// <param name="Reason">Why, in a sentence.</param>
public sealed record StepRisk(RiskLevel Level, string Reason);
