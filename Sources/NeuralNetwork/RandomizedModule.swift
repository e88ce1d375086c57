/// A module that draws random numbers of its own (dropout masks) from a generator it
/// holds. A trainer saves and restores these generators with a checkpoint, so a resumed
/// run draws the same masks as one that never stopped.
public protocol RandomizedModule: Module {
    /// The module's generator.
    var generator: RandomGenerator { get set }
}

extension Module {
    /// The generator of every `RandomizedModule` in the tree, by dotted module key
    /// (`""` for this module itself).
    public func randomGenerators() -> [String: RandomGenerator] {
        var result: [String: RandomGenerator] = [:]
        for (key, module) in namedModules() {
            if let randomized = module as? any RandomizedModule { result[key] = randomized.generator }
        }
        return result
    }

    /// Sets the generators saved by `randomGenerators()`.
    /// - Throws: `WeightLoadingError.stateDictMismatch` when the keys differ from the tree's.
    public func setRandomGenerators(_ generators: [String: RandomGenerator]) throws {
        var randomized: [String: any RandomizedModule] = [:]
        for (key, module) in namedModules() {
            if let module = module as? any RandomizedModule { randomized[key] = module }
        }
        let missing = Set(randomized.keys).subtracting(generators.keys).sorted()
        let unexpected = Set(generators.keys).subtracting(randomized.keys).sorted()
        guard missing.isEmpty, unexpected.isEmpty else {
            throw WeightLoadingError.stateDictMismatch(missing: missing, unexpected: unexpected, shapeMismatches: [])
        }
        for (key, generator) in generators { randomized[key]?.generator = generator }
    }
}
