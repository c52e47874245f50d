"""The data layer: the only part of stress that touches files of prices, the store or the network."""
