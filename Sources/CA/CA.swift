/// Certificate authorities of the four IAMAS levels.
