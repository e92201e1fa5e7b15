"""Tools for the weather scenarios: deterministic, so scenarios can check their results."""

from __future__ import annotations

from fastagent.tools import tool

_FORECASTS = {
    "paris": "sunny, 22 °C",
    "berlin": "cloudy, 17 °C",
    "london": "light rain, 15 °C",
}


@tool
def get_weather(city: str) -> str:
    """Today's weather in a city.

    Args:
        city: The city name, e.g. "Paris".
    """
    forecast = _FORECASTS.get(city.strip().lower())
    if forecast is None:
        raise ValueError(f"no forecast for {city!r}; known cities: Paris, Berlin, London")
    return f"{city}: {forecast}"


def to_fahrenheit(celsius: float) -> float:
    """Convert a temperature from Celsius to Fahrenheit.

    Args:
        celsius: Degrees Celsius.
    """
    return round(celsius * 9 / 5 + 32, 1)
