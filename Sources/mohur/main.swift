print("mohur")
